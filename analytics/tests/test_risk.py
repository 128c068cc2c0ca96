from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse
from django_q.models import Schedule

from analytics import risk
from analytics.demo import seed_history
from analytics.models import NoShowModel
from analytics.services import SCHEDULE_NAME, noshow_model_train
from analytics.tests import fixtures
from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role


def test_roc_auc_known_values():
    assert risk.roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert risk.roc_auc(np.array([0, 0, 1, 1]), np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert risk.roc_auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    # one of four positive/negative pairs misordered
    assert risk.roc_auc(np.array([0, 1, 0, 1]), np.array([0.1, 0.3, 0.4, 0.9])) == 0.75


def test_logistic_regression_recovers_a_known_signal():
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"a": rng.normal(size=20_000), "b": rng.normal(size=20_000)})
    y = rng.random(20_000) < risk.sigmoid(-1 + 1.5 * x["a"].to_numpy())
    model = risk.fit_logistic(x, y, l2=0.1)
    assert model.weights[0] == pytest.approx(1.5, abs=0.1)  # standardised ~ raw, as std(a) ~ 1
    assert abs(model.weights[1]) < 0.1
    assert model.intercept == pytest.approx(-1 + 1.5 * x["a"].mean(), abs=0.1)


def test_history_features_count_only_earlier_appointments():
    df = pd.DataFrame({
        "patient_id": [1, 1, 1, 2, 1],
        "start": pd.to_datetime(["2026-01-01", "2026-01-05", "2026-01-09", "2026-01-02", "2026-01-20"]),
        "status": ["no_show", "cancelled", "completed", "no_show", "completed"],
    })
    out = risk.history_features(df)
    assert list(out["past_no_shows"]) == [0, 1, 1, 0, 1]
    assert list(out["past_cancellations"]) == [0, 0, 1, 0, 1]
    assert list(out["past_visits"]) == [0, 0, 0, 0, 1]


def test_calibration_table_has_deciles():
    y = np.array([0, 1] * 50)
    table = risk.calibration_table(y, np.linspace(0, 1, 100))
    assert len(table) == 10 and sum(r["n"] for r in table) == 100
    assert table[0]["predicted"] < table[-1]["predicted"]


@pytest.mark.django_db
def test_model_trained_on_seeded_history_beats_the_base_rate_baseline():
    seed_history(8_000, stdout=io.StringIO(), now=fixtures.NOW, seed=3)
    model = noshow_model_train(now=fixtures.NOW)
    m = model.metrics
    assert m["n_test"] > 1_000
    assert m["auc"] > 0.62  # the synthetic signal: lead time, history, confirmation, self-pay...
    assert m["brier"] < m["baseline_brier"]
    assert model.beats_baseline
    assert len(m["calibration"]) == 10
    # the hold-out is the latest part of the history
    assert pd.Timestamp("2025-09-01", tz="UTC") < pd.Timestamp(m["cutoff"]) < pd.Timestamp(fixtures.NOW)


@pytest.mark.django_db
def test_train_command_creates_one_schedule_and_a_model():
    seed_history(3_000, stdout=io.StringIO(), seed=4)
    call_command("train_noshow_model", stdout=io.StringIO())
    call_command("train_noshow_model", stdout=io.StringIO())
    assert Schedule.objects.filter(name=SCHEDULE_NAME, func="analytics.tasks.retrain_noshow_model").count() == 1
    assert NoShowModel.objects.count() == 2


@pytest.mark.django_db
def test_risk_page_ranks_upcoming_appointments_with_reasons(client):
    seed_history(3_000, stdout=io.StringIO(), seed=5, days_ahead=14)  # the demo's history stops at yesterday
    noshow_model_train()
    manager = user_with_role(Role.MANAGER)
    enable_totp(manager)
    client.force_login(manager)
    response = client.get(reverse("analytics:risk") + "?days=14")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows, "the seeded history has upcoming appointments"
    risks = [r["risk"] for r in rows]
    assert risks == sorted(risks, reverse=True)
    assert any(r["reasons"] for r in rows)
    html = response.content.decode()
    assert "ROC AUC" in html and "Send extra reminder" in html and "data-bokeh-item" in html
    csv = client.get(reverse("analytics:risk") + "?days=14&csv=upcoming")
    assert csv.content.decode().splitlines()[0].startswith("start,scan_type,risk,reasons")


@pytest.mark.django_db
def test_risk_page_without_a_model_says_how_to_train_one(client):
    manager = user_with_role(Role.MANAGER)
    enable_totp(manager)
    client.force_login(manager)
    assert "train_noshow_model" in client.get(reverse("analytics:risk")).content.decode()
