"""Text plumbing: reading input into an article, HTML extraction, paragraphs and sentences, and
splitting text to fit a model's token limit. Nothing here knows about models."""
