"""python manage.py import_flow FILE [--name NAME]: import a Rogerthat XML flow as a new draft, printing the
defaults the import took (warnings) and the recorded member runs it stored (to replay with replay_run)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from flowdesigner import services
from flowdesigner.rogerthat.xml_import import RogerthatImportError


class Command(BaseCommand):
    help = "Import a Rogerthat messageFlowDefinitionSet XML file as a new flow (draft)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", help="Flow name (default: the definition's name)")

    def handle(self, *args, file: Path, name: str | None, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        try:
            imported = services.flow_import_rogerthat_report(data=data, name=name)
        except RogerthatImportError as exc:
            raise CommandError("Nothing was imported:\n  " + "\n  ".join(exc.errors)) from None
        flow = imported.flow
        self.stdout.write(self.style.SUCCESS(f'Imported "{flow.name}" as flow {flow.pk} (draft).'))
        for warning in imported.warnings:
            self.stdout.write(f"  warning: {warning}")
        for run in imported.runs:
            self.stdout.write(f"  recorded run {run.pk}: replay it with `manage.py replay_run {run.pk}`")
