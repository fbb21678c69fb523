"""Ingestion: landing CSV files → validated raw-zone Parquet, quarantine and manifest."""
