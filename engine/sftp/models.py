"""SFTP Import: the servers files are fetched from, the files each flow entry point has seen, and the rows
that could not be imported.

A file is recorded once per flow entry point (flow, node id, remote path) and never touched on the
server: it is read, never renamed, moved or deleted, so a recorded path is never fetched again.
"""

from django.conf import settings
from django.db import models


class SftpConnection(models.Model):
    """An SFTP server that flows fetch files from (staff manage them; marketers pick one in the editor).

    The password or private key is never shown back in a page or the API. The server's host key is
    pinned by the first successful Test connection; afterwards a server presenting another key is
    refused (someone may be impersonating it) until staff forget the pinned key.
    """

    name = models.CharField(max_length=100)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=22)
    username = models.CharField(max_length=100)
    password = models.CharField(max_length=255, blank=True)
    private_key = models.TextField(blank=True, help_text="An OpenSSH or PEM private key, unencrypted.")
    # OpenSSH public key line ("ssh-ed25519 AAAA...") of the server, and its SHA256 fingerprint.
    host_key = models.TextField(blank=True)
    host_key_fingerprint = models.CharField(max_length=100, blank=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


class SftpWatch(models.Model):
    """The polling of one flow entry point (flow, sftp_import node): when it last looked, what went wrong,
    and the outbox events of its two chains (the next poll, the import of its files), so a chain runs
    once however often it is scheduled or retried."""

    flow = models.ForeignKey("flowdesigner.Flow", on_delete=models.CASCADE, related_name="sftp_watches")
    node_id = models.CharField(max_length=64)
    poll_event_id = models.BigIntegerField(null=True, blank=True)
    import_event_id = models.BigIntegerField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "node_id"], name="sftpwatch_unique_node")]

    def __str__(self) -> str:
        return f"flow {self.flow_id} / {self.node_id}"


class SftpFile(models.Model):
    """A file found in the folder of a flow's SFTP Import entry point, imported once, slice by slice.

    `cursor` counts the records (after the header) already handled, so an import taken up again after a
    crash or in the next slice goes on from there; each slice commits its rows and the cursor together.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        PROCESSING = "processing"
        DONE = "done"
        FAILED = "failed"

    flow = models.ForeignKey("flowdesigner.Flow", on_delete=models.CASCADE, related_name="sftp_files")
    node_id = models.CharField(max_length=64)
    connection = models.ForeignKey(
        SftpConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    folder = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    remote_path = models.CharField(max_length=600)
    size = models.BigIntegerField()
    mtime = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    # Valid rows whose person the flow did not take (re-entry setting, frequency cap); the reason is on
    # the person's timeline.
    rows_refused = models.PositiveIntegerField(default=0)
    cursor = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["flow", "node_id", "remote_path"], name="sftpfile_once_per_entry_point"
            )
        ]
        indexes = [models.Index(fields=["flow", "node_id", "status"], name="sftpfile_pending")]

    def __str__(self) -> str:
        return self.remote_path

    @property
    def rows_done(self) -> int:
        return self.rows_valid + self.rows_invalid


class SftpRowError(models.Model):
    """Why a row of a file was not imported: one per problem (a row can have several). `row` is the
    file's line the record starts on, the header being line 1, as a spreadsheet numbers it."""

    file = models.ForeignKey(SftpFile, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    # The row's cells as read (each cut to a few hundred characters), to fix and upload again.
    values = models.JSONField(default=list)

    class Meta:
        ordering = ["file", "row", "id"]

    def __str__(self) -> str:
        return f"{self.file} line {self.row}: {self.reason}"
