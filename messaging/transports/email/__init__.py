"""Email: inbound messages as raw RFC 822 bytes (rfc822.py), outbound through Django's email backend
(smtp.py)."""
