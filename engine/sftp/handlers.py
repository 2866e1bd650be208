"""Outbox handlers of SFTP Import (registered in the AppConfig.ready): the folder polls and the imports.

Neither is atomic: both talk to the SFTP server and run their own transactions. They are safe to run
again (the watch row says which event each chain waits for; a file's cursor says which rows are done).
"""

from engine.sftp import conf, imports, services
from people import outbox

# A poll connects and lists within SFTP_CONNECT_TIMEOUT; an import downloads within
# SFTP_DOWNLOAD_TIMEOUT, then takes slices for SFTP_IMPORT_SECONDS (the last slice may run over). The
# leases leave room for both, so no claim runs out while its handler still works.
POLL_LEASE = int(conf.connect_timeout()) * 2 + 30
IMPORT_LEASE = int(conf.download_timeout() + conf.import_seconds()) + 120


@outbox.handler(services.POLL, atomic=False, lease_seconds=POLL_LEASE)
def on_sftp_poll(payload: dict, event_id: int) -> None:
    services.watch_poll(flow_id=payload["flow_id"], node_id=payload["node_id"], event_id=event_id)


@outbox.handler(services.IMPORT, atomic=False, lease_seconds=IMPORT_LEASE)
def on_sftp_file(payload: dict, event_id: int) -> None:
    imports.watch_import(flow_id=payload["flow_id"], node_id=payload["node_id"], event_id=event_id)
