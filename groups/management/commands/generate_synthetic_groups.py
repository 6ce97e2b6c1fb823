"""Create (or delete) synthetic listings for benchmarks: `--count 100000 --seed 1`, `--delete`."""

import time

from django.core.management.base import BaseCommand, CommandError

from bench import synthetic


class Command(BaseCommand):
    help = (
        "Create N realistic synthetic listings (slugs start with 'syn-'), deterministic for a "
        "seed; --delete removes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000, help="How many listings.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same listings.")
        parser.add_argument(
            "--batch-size", type=int, default=synthetic.BATCH_SIZE, help="Rows per INSERT."
        )
        parser.add_argument(
            "--delete", action="store_true", help="Delete all synthetic listings instead."
        )

    def handle(self, *args, count, seed, batch_size, delete, verbosity, **options):
        started = time.monotonic()
        if delete:
            deleted = synthetic.delete_synthetic()
            self.stdout.write(
                f"Deleted {deleted} synthetic rows in {time.monotonic() - started:.1f} s."
            )
            return
        if count < 1 or batch_size < 1:
            raise CommandError("--count and --batch-size must be positive.")

        def progress(done, total):
            if verbosity >= 2 or (verbosity and done == total):
                self.stdout.write(f"  {done}/{total} listings ({time.monotonic() - started:.1f} s)")

        try:
            groups, meetings = synthetic.generate(
                count, seed=seed, batch_size=batch_size, progress=progress
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Created {groups} synthetic listings and {meetings} meeting times "
            f"in {time.monotonic() - started:.1f} s."
        )
        cpu = synthetic.cpu_seconds()
        if cpu:
            # Wall time depends on what else the machine runs; CPU time much less so.
            self.stdout.write(
                "CPU seconds: " + ", ".join(f"{name} {value:.1f}" for name, value in cpu.items())
            )
