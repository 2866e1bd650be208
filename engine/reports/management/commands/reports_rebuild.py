from django.core.management.base import BaseCommand

from engine.reports.rebuild import counters_rebuild
from flowdesigner.models import FlowVersion


class Command(BaseCommand):
    help = (
        "Recompute the flow reports' counters from the participants' histories (stop the workers first: "
        "events they count meanwhile would be counted twice)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--flow", type=int, action="append", help="Only this flow (repeatable).")

    def handle(self, *args, flow=None, **options) -> None:
        versions = FlowVersion.objects.all()
        if flow:
            versions = versions.filter(flow_id__in=flow)
        ids = list(versions.values_list("pk", flat=True))
        for start in range(0, len(ids), 50):
            counters_rebuild(ids[start : start + 50])
            self.stdout.write(f"{min(start + 50, len(ids))} / {len(ids)} versions")
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the counters of {len(ids)} flow versions."))
