"""python manage.py replay_run RUN_ID [--flow-version N | --draft]: replay a recorded Rogerthat member run
through the imported flow (engine core only: nothing is sent or stored) and report where it differs."""

from django.core.management.base import BaseCommand, CommandError

from flowdesigner import services


class Command(BaseCommand):
    help = "Replay a recorded Rogerthat run against its imported flow and report the differences."

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int, help="The recorded run (shown by the import)")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--flow-version", type=int, help="A published version (default: the latest)")
        which.add_argument("--draft", action="store_true", help="Replay against the draft")

    def handle(self, *args, run_id: int, flow_version: int | None, draft: bool, **options):
        try:
            report = services.recorded_run_replay(run_id=run_id, version=flow_version, draft=draft)
        except services.ReplayRefused as exc:
            raise CommandError(str(exc)) from None
        for line in report.lines():
            self.stdout.write(line)
        if not report.matches:
            raise CommandError(f"The replay differs from the record in {len(report.differences)} place(s).")
