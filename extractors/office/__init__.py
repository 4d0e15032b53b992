"""Office documents: OOXML (DOCX/XLSX/PPTX), legacy binary (DOC/XLS/PPT), RTF, OpenDocument, encryption."""
