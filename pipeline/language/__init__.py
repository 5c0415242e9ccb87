"""Language identification: which of Bokmål, Nynorsk, Danish, Swedish, English (or what else)."""
