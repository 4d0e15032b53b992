"""Mail: EML/EMLX (RFC 5322), Outlook MSG, MBOX, PST (via readpst)."""
