"""Many articles at a time: batch files (JSONL or folders) and Ray Data."""
