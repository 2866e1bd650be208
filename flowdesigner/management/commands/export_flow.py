"""python manage.py export_flow FLOW_ID [--flow-version N] [-o FILE]: export a flow as Rogerthat XML."""

from django.core.management.base import BaseCommand, CommandError

from flowdesigner import services
from flowdesigner.models import Flow
from flowdesigner.rogerthat.xml_export import RogerthatExportError


class Command(BaseCommand):
    help = "Export a flow's draft (or a published version) as Rogerthat XML."

    def add_arguments(self, parser):
        parser.add_argument("flow_id", type=int)
        parser.add_argument(
            "--flow-version", type=int, dest="version", help="A published version number (default: the draft)"
        )
        parser.add_argument("-o", "--output", help="File to write (default: standard output)")

    def handle(self, *args, flow_id: int, version: int | None, output: str | None, **options):
        flow = Flow.objects.filter(pk=flow_id).first()
        if flow is None:
            raise CommandError(f"There is no flow {flow_id}.")
        chosen = None
        if version is not None:
            chosen = flow.versions.filter(number=version).first()
            if chosen is None:
                raise CommandError(f'Flow "{flow.name}" has no version {version}.')
        try:
            data = services.flow_export_rogerthat(flow=flow, version=chosen)
        except RogerthatExportError as exc:
            raise CommandError("Cannot export:\n  " + "\n  ".join(exc.errors)) from None
        if output:
            with open(output, "wb") as handle:
                handle.write(data)
        else:
            self.stdout.write(data.decode())
