"""The no-show risk model: pure functions (numpy and pandas only, no database).

Features are only what is known before the visit: booking lead time, the patient's earlier
no-shows, cancellations and visits, weekday and hour, modality, age band, self-pay or medical aid,
and whether the appointment was confirmed. The model is an L2-regularised logistic regression
fitted by Newton's method (iteratively reweighted least squares) on standardised features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portal.catalogue.models import Modality

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
HOUR_BANDS = [(0, 9, "before 09:00"), (9, 12, "09:00-12:00"), (12, 15, "12:00-15:00"), (15, 24, "15:00 or later")]
AGE_BANDS = [(0, 18, "0-17"), (18, 30, "18-29"), (30, 45, "30-44"), (45, 65, "45-64"), (65, 200, "65+")]
INPUT_COLUMNS = ["lead_days", "past_no_shows", "past_cancellations", "past_visits", "weekday", "hour",
                 "modality", "age", "self_pay", "confirmed"]


def _labels() -> dict[str, str]:
    labels = {
        "log_lead": "booked long in advance",
        "past_no_shows": "missed earlier appointments",
        "any_past_no_show": "has missed an appointment before",
        "past_cancellations": "cancelled earlier appointments",
        "first_visit": "first visit",
        "self_pay": "self-pay (no medical aid)",
        "unconfirmed": "not confirmed",
        "age_unknown": "age unknown",
    }
    labels |= {f"weekday_{i}": f"on a {name}" for i, name in enumerate(WEEKDAY_NAMES)}
    labels |= {f"hour_{i}": f"at {label}" for i, (_, _, label) in enumerate(HOUR_BANDS)}
    labels |= {f"age_{i}": f"aged {label}" for i, (_, _, label) in enumerate(AGE_BANDS)}
    labels |= {f"modality_{value}": f"{label} scan" for value, label in Modality.choices}
    return labels


FEATURE_LABELS = _labels()


def design_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """Turn the raw inputs (INPUT_COLUMNS) into the model's numeric features."""
    out = pd.DataFrame(index=df.index)
    lead = df["lead_days"].astype(float).clip(lower=0)
    out["log_lead"] = np.log1p(lead)
    past_no_shows = df["past_no_shows"].astype(float).clip(upper=5)
    out["past_no_shows"] = past_no_shows
    out["any_past_no_show"] = (past_no_shows > 0).astype(float)
    out["past_cancellations"] = df["past_cancellations"].astype(float).clip(upper=5)
    out["first_visit"] = (df["past_visits"].astype(float) == 0).astype(float)
    out["self_pay"] = df["self_pay"].astype(float)
    out["unconfirmed"] = 1.0 - df["confirmed"].astype(float)
    weekday = df["weekday"].astype(int)
    for i in range(7):
        out[f"weekday_{i}"] = (weekday == i).astype(float)
    hour = df["hour"].astype(int)
    for i, (low, high, _) in enumerate(HOUR_BANDS):
        out[f"hour_{i}"] = ((hour >= low) & (hour < high)).astype(float)
    age = df["age"].astype(float)
    out["age_unknown"] = age.isna().astype(float)
    for i, (low, high, _) in enumerate(AGE_BANDS):
        out[f"age_{i}"] = ((age >= low) & (age < high)).astype(float)
    modality = df["modality"].astype(str)
    for value in Modality.values:
        out[f"modality_{value}"] = (modality == value).astype(float)
    return out


@dataclass
class LogisticModel:
    columns: list[str]
    weights: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray

    def to_dict(self) -> dict:
        return {"columns": self.columns, "weights": self.weights.tolist(), "intercept": self.intercept,
                "mean": self.mean.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> LogisticModel:
        return cls(list(data["columns"]), np.asarray(data["weights"], dtype=float), float(data["intercept"]),
                   np.asarray(data["mean"], dtype=float), np.asarray(data["scale"], dtype=float))

    def _standardised(self, features: pd.DataFrame) -> np.ndarray:
        x = features.reindex(columns=self.columns, fill_value=0.0).to_numpy(dtype=float)
        return (x - self.mean) / self.scale

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return sigmoid(self._standardised(features) @ self.weights + self.intercept)

    def reasons(self, features: pd.DataFrame, top: int = 3) -> list[list[str]]:
        """For each row, the features that raise its risk most above the average patient's."""
        contributions = self._standardised(features) * self.weights
        result = []
        for row in contributions:
            order = np.argsort(-row)[:top]
            result.append([FEATURE_LABELS.get(self.columns[j], self.columns[j]) for j in order if row[j] > 0.05])
        return result


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def fit_logistic(features: pd.DataFrame, y: np.ndarray, *, l2: float = 1.0, iterations: int = 25,
                 tol: float = 1e-8) -> LogisticModel:
    """L2-regularised logistic regression (intercept not penalised) by Newton's method."""
    x = features.to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    n, k = z.shape
    design = np.hstack([np.ones((n, 1)), z])
    beta = np.zeros(k + 1)
    base = min(max(y.mean(), 1e-6), 1 - 1e-6)
    beta[0] = math.log(base / (1 - base))
    penalty = np.full(k + 1, l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = sigmoid(design @ beta)
        gradient = design.T @ (p - y) + penalty * beta
        w = p * (1 - p)
        hessian = (design * w[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(k + 1)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < tol:
            break
    return LogisticModel(list(features.columns), beta[1:], float(beta[0]), mean, scale)


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    y = np.asarray(y, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(scores, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Predicted against observed no-show rate per decile of predicted risk."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": np.asarray(p, dtype=float)})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), q=min(bins, len(frame)), labels=False)
    grouped = frame.groupby("bin").agg(predicted=("p", "mean"), observed=("y", "mean"), n=("y", "size"))
    return [{"decile": int(i) + 1, "predicted": float(r.predicted), "observed": float(r.observed), "n": int(r.n)}
            for i, r in grouped.iterrows()]


def history_features(df: pd.DataFrame) -> pd.DataFrame:
    """Add each appointment's patient history (counts over the patient's earlier appointments).

    `df` has patient_id, start and status for every appointment (cancelled ones too)."""
    ordered = df.sort_values(["patient_id", "start"], kind="stable")
    by_patient = ordered.groupby("patient_id", sort=False)
    for column, status in (("past_no_shows", "no_show"), ("past_cancellations", "cancelled"),
                           ("past_visits", "completed")):
        flag = (ordered["status"] == status).astype(int)
        ordered[column] = flag.groupby(ordered["patient_id"], sort=False).cumsum() - flag
    del by_patient
    return ordered.sort_index()


def time_split(df: pd.DataFrame, holdout: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on the earlier appointments, test on the latest `holdout` share (by start time)."""
    ordered = df.sort_values("start", kind="stable")
    cut = int(len(ordered) * (1 - holdout))
    return ordered.iloc[:cut], ordered.iloc[cut:]


def train_and_evaluate(df: pd.DataFrame, *, l2: float = 10.0, holdout: float = 0.2) -> tuple[LogisticModel, dict]:
    """Fit on the earlier part, evaluate on the later part, then refit on everything for use.

    `df` has INPUT_COLUMNS, start and no_show (0/1). Returns the model and its hold-out metrics."""
    train, test = time_split(df, holdout)
    if train["no_show"].nunique() < 2 or test["no_show"].nunique() < 2:
        raise ValueError("Not enough history: both outcomes must occur before and after the hold-out cut.")
    model = fit_logistic(design_matrix(train), train["no_show"].to_numpy(), l2=l2)
    y_test = test["no_show"].to_numpy()
    p_test = model.predict(design_matrix(test))
    base_rate = float(train["no_show"].mean())
    metrics = {
        "n_train": len(train), "n_test": len(test),
        "cutoff": pd.Timestamp(test["start"].iloc[0]).isoformat(),
        "auc": roc_auc(y_test, p_test), "baseline_auc": 0.5,
        "brier": brier(y_test, p_test), "baseline_brier": brier(y_test, np.full(len(y_test), base_rate)),
        "base_rate": base_rate, "test_rate": float(y_test.mean()),
        "calibration": calibration_table(y_test, p_test),
    }
    metrics["beats_baseline"] = bool(metrics["auc"] > 0.5 and metrics["brier"] < metrics["baseline_brier"])
    final = fit_logistic(design_matrix(df), df["no_show"].to_numpy(), l2=l2)
    return final, metrics
