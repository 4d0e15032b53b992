"""The leak census: reads dump files (stored originals or given paths), counts rows and distinct people per identifier
type by keyed hash in bounded memory, writes the report and the records index. It reads custody, the node client,
extractors and models; it never imports search, pipeline, flows, web or cli, and it never stores a raw identifier.
"""

from evidex.census.job import (CensusPlan, census_paths, finish, plan, report_path, scan_source, scope_key,
                               stored_reports)
from evidex.census.records import RecordLoader, records_alias
from evidex.census.report import CensusReport, FileCensus, Overlap, Source
from evidex.census.sources import case_sources, path_sources

__all__ = ["CensusPlan", "CensusReport", "FileCensus", "Overlap", "RecordLoader", "Source", "case_sources",
           "census_paths", "finish", "path_sources", "plan", "records_alias", "report_path", "scan_source",
           "scope_key", "stored_reports"]
