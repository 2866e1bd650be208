"""Voice: incoming calls reported by the gateway (calls.py). What we "send" on a voice channel is text the
gateway speaks, through the same HTTP gateway as SMS (messaging.transports.sms.http_gateway)."""
