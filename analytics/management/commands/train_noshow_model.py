from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from analytics.services import noshow_model_train, noshow_schedule_ensure


class Command(BaseCommand):
    help = "Train the no-show risk model on the appointment history and store it (also ensures its q2 schedule)."

    def add_arguments(self, parser):
        parser.add_argument("--l2", type=float, default=10.0, help="L2 penalty (default 10).")
        parser.add_argument("--no-schedule", action="store_true", help="Do not create the retraining schedule.")

    def handle(self, *args, **options):
        if not options["no_schedule"]:
            noshow_schedule_ensure()
        try:
            model = noshow_model_train(l2=options["l2"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        m = model.metrics
        self.stdout.write(
            f"Trained on {m['n_train']:,} appointments, tested on the latest {m['n_test']:,} (from {m['cutoff'][:10]})."
        )
        self.stdout.write(f"  ROC AUC {m['auc']:.3f} (baseline 0.500); Brier {m['brier']:.4f} "
                          f"(base-rate baseline {m['baseline_brier']:.4f}); base rate {m['base_rate']:.1%}.")
        style = self.style.SUCCESS if model.beats_baseline else self.style.WARNING
        self.stdout.write(style("  Beats the baseline." if model.beats_baseline else "  Does NOT beat the baseline."))
