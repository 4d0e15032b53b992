"""Prefect flows: orchestration only (batching, retries, wiring of the pure stages)."""
