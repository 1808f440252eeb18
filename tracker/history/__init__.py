"""The append-only history of everything recorded: who changed what, when."""
