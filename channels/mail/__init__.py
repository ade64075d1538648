"""Email channel: MIME intake, quoted-history stripping and reply headers."""
