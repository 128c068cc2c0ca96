"""A realistic synthetic appointment history, generated with numpy (no database access).

Volumes follow the season, the weekday and the hour; no-shows depend on booking lead time, the
patient's own habit (which shows up as earlier no-shows), self-pay, confirmation, weekday, hour, age
and modality; cancellations, payments (medical-aid claims and the patient's share, some refunded,
some outstanding), feedback and reports with a per-radiologist turnaround follow from the visits.
Output: DataFrames whose columns are the models' database column names (attnames).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass

import numpy as np
import pandas as pd

MODALITY_SHARE = {"xray": 0.36, "us": 0.22, "ct": 0.14, "mri": 0.10, "mammo": 0.08, "dexa": 0.05, "fluoro": 0.05}
# Opening hours (local) when none are given: weekday -> (first hour, closing hour). The demo passes the
# rooms' own hours (portal.booking.hours), so the history never has a visit before opening.
HOURS = {0: (7.5, 17), 1: (7.5, 17), 2: (7.5, 17), 3: (7.5, 17), 4: (7.5, 17), 5: (8, 12)}
# Synthetic patients get ordinary Zimbabwean names (not "History Patient 2359").
FIRST_NAMES = ["Tendai", "Rudo", "Tatenda", "Chipo", "Farai", "Nyasha", "Tafadzwa", "Rumbidzai", "Kudzai", "Tsitsi",
               "Tinashe", "Vimbai", "Takudzwa", "Fadzai", "Blessing", "Precious", "Simba", "Ruvimbo", "Tapiwa",
               "Shamiso", "Munyaradzi", "Chiedza", "Tonderai", "Nokuthula", "Sipho", "Thandiwe", "Brian", "Grace",
               "Memory", "Tawanda", "Anesu", "Kuda", "Ropafadzo", "Themba", "Busisiwe", "Joseph", "Ruth", "Peter"]
LAST_NAMES = ["Moyo", "Ncube", "Sibanda", "Dube", "Nyathi", "Mpofu", "Ndlovu", "Mutasa", "Chikore", "Mhlanga",
              "Banda", "Phiri", "Zulu", "Gumbo", "Makoni", "Chirwa", "Mapfumo", "Marufu", "Chinyoka", "Mlambo",
              "Nyoni", "Shumba", "Sithole", "Mukwena", "Zvobgo", "Chidzikwe", "Manyika", "Mushonga", "Hove",
              "Matambo", "Gwenzi", "Chigumba", "Tshuma", "Mangwende", "Madziva", "Chitsa", "Mavhunga"]
WEEKDAY_VOLUME = np.array([1.1, 1.0, 1.0, 1.0, 0.9, 0.45, 0.0])
METHODS = np.array(["card_online", "card_at_practice", "cash", "eft"])
METHOD_SHARE = np.array([0.25, 0.35, 0.2, 0.2])
COMMENTS = {
    1: ["Waited far too long and nobody explained the delay.", "Very disappointing visit."],
    2: ["The waiting room was crowded.", "Booking was confusing."],
    3: ["Fine, but the wait was long.", "Parking was difficult."],
    4: ["Friendly staff, quick scan.", "Good service overall."],
    5: ["Excellent care, thank you!", "The radiographer was very kind and clear."],
}


@dataclass(frozen=True)
class ScanChoice:
    pk: int
    modality: str
    price: float
    duration: int


@dataclass
class History:
    patients: pd.DataFrame
    rooms: pd.DataFrame  # modality, slot_minutes, index (room number within modality)
    appointments: pd.DataFrame
    payments: pd.DataFrame
    feedback: pd.DataFrame
    reports: pd.DataFrame


def _slot_minutes(scans: list[ScanChoice], modality: str) -> int:
    longest = max(s.duration for s in scans if s.modality == modality)
    return max(15, int(math.ceil(longest / 5.0) * 5))


def generate(n: int, *, now: dt.datetime, scans: list[ScanChoice], plans: list[int], radiologists: list[int],
             time_zone: str, seed: int = 8, days_back: int = 548, days_ahead: int = 0,
             hours: dict[int, tuple[float, float]] | None = None, rooms_per_modality: dict[str, int] | None = None,
             busy: dict[tuple[str, int, dt.date], list[tuple[int, int]]] | None = None) -> History:
    """`n` appointments over `days_back` days up to yesterday (`days_ahead` > 0 adds days from today on).

    hours: weekday -> (first, closing) local hours (default HOURS). rooms_per_modality: use exactly
    that many rooms of a modality (real rooms; a day's volume is capped at their free slots) instead
    of as many as the busiest day needs. busy: (modality, room number, day) -> [(start minute, end
    minute)] already taken by other appointments, left free.
    """
    hours_by_day = HOURS if hours is None else hours
    busy = busy or {}
    rng = np.random.default_rng(seed)
    zone = zoneinfo.ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    modalities = sorted({s.modality for s in scans}, key=lambda m: -MODALITY_SHARE.get(m, 0.03))
    shares = np.array([MODALITY_SHARE.get(m, 0.03) for m in modalities])
    shares = shares / shares.sum()

    # 1. Days and how many appointments each gets.
    last_day = today + dt.timedelta(days=days_ahead) if days_ahead > 0 else today - dt.timedelta(days=1)
    days = pd.date_range(today - dt.timedelta(days=days_back), last_day, freq="D")
    weekday = days.day_of_week.to_numpy()
    doy = days.day_of_year.to_numpy()
    season = 1 + 0.15 * np.sin(2 * np.pi * (doy - 80) / 365.25)
    season[(days.month == 12) & (days.day >= 20) | (days.month == 1) & (days.day <= 5)] *= 0.5
    growth = np.linspace(0.85, 1.1, len(days))
    distance = (days.to_numpy() - np.datetime64(today)) / np.timedelta64(1, "D")
    future = np.where(distance > 0, np.exp(-distance / 10), 1.0)
    open_day = np.array([1.0 if int(w) in hours_by_day else 0.0 for w in weekday])
    weight = WEEKDAY_VOLUME[weekday] * season * growth * future * open_day
    per_day = rng.multinomial(n, weight / weight.sum())
    per_day_mod = np.stack([rng.multinomial(k, shares) for k in per_day]) if len(per_day) else np.zeros((0, 0))

    # 2. Rooms: enough per modality for the busiest day (a slot grid per room, so no overlaps).
    slot = {m: _slot_minutes(scans, m) for m in modalities}
    rooms_needed = {}
    for j, m in enumerate(modalities):
        need = 1
        for d in np.nonzero(per_day_mod[:, j])[0]:
            first, last = hours_by_day[int(weekday[d])]
            per_room = int((last - first) * 60) // slot[m]
            need = max(need, math.ceil(per_day_mod[d, j] / per_room))
        rooms_needed[m] = need if rooms_per_modality is None else max(1, rooms_per_modality.get(m, need))
    room_rows = [(m, k, slot[m]) for m in modalities for k in range(rooms_needed[m])]
    rooms = pd.DataFrame(room_rows, columns=["modality", "number", "slot_minutes"])
    room_offset = {m: int(rooms.index[rooms["modality"] == m][0]) for m in modalities}

    # 3. Each appointment gets a distinct (room, slot) on its day; mornings are busier.
    starts, room_index, mod_index = [], [], []
    for d in np.nonzero(per_day)[0]:
        first, last = hours_by_day[int(weekday[d])]
        first_minute = int(first * 60)
        for j, m in enumerate(modalities):
            k = int(per_day_mod[d, j])
            if not k:
                continue
            per_room = int((last - first) * 60) // slot[m]
            minutes = np.arange(per_room) * slot[m]
            hour = first + minutes / 60
            w = np.tile(1.0 + 0.6 * np.exp(-((hour - 10) ** 2) / 4) - 0.3 * (hour >= 16), rooms_needed[m])
            for r in range(rooms_needed[m]):
                for taken_from, taken_to in busy.get((m, r, days[d].date()), ()):
                    cell = first_minute + minutes
                    w[r * per_room:(r + 1) * per_room][(cell < taken_to) & (cell + slot[m] > taken_from)] = 0
            k = min(k, int(np.count_nonzero(w)))
            if not k:
                continue
            chosen = rng.choice(per_room * rooms_needed[m], size=k, replace=False, p=w / w.sum())
            offsets = (first_minute + minutes[chosen % per_room]).astype("timedelta64[m]")
            starts.append(np.datetime64(days[d].date()) + offsets)
            room_index.append(room_offset[m] + chosen // per_room)
            mod_index.append(np.full(k, j))
    local_start = np.concatenate(starts) if starts else np.array([], dtype="datetime64[m]")
    room_index = np.concatenate(room_index) if room_index else np.array([], dtype=int)
    mod_index = np.concatenate(mod_index) if mod_index else np.array([], dtype=int)
    order = np.argsort(local_start, kind="stable")
    local_start, room_index, mod_index = local_start[order], room_index[order], mod_index[order]
    count = len(local_start)
    start = pd.DatetimeIndex(local_start).tz_localize(zone).tz_convert("UTC")
    now_ts = pd.Timestamp(now).tz_convert("UTC")

    # 4. Patients: a few come often; each has a habit (latent no-show tendency) and an age.
    n_patients = max(20, count // 4)
    habit = rng.normal(0, 0.9, n_patients)
    popularity = rng.gamma(0.7, 1.0, n_patients)
    patient = rng.choice(n_patients, size=count, p=popularity / popularity.sum())
    birth_year = np.clip(rng.normal(1978, 19, n_patients).astype(int), 1930, today.year - 1)
    dob = pd.to_datetime({"year": birth_year, "month": rng.integers(1, 13, n_patients),
                          "day": rng.integers(1, 29, n_patients)})
    patients = pd.DataFrame({"date_of_birth": dob.dt.date,
                             "first_name": np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n_patients)],
                             "last_name": np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n_patients)]})

    # 5. Scan type, price and cover.
    by_mod = {m: [s for s in scans if s.modality == m] for m in modalities}
    pick = rng.random(count)
    scan_pk = np.empty(count, dtype=np.int64)
    price = np.empty(count)
    duration = np.empty(count, dtype=int)
    for j, m in enumerate(modalities):
        mask = mod_index == j
        options = by_mod[m]
        idx = np.minimum((pick[mask] * len(options)).astype(int), len(options) - 1)
        scan_pk[mask] = np.array([s.pk for s in options])[idx]
        price[mask] = np.array([s.price for s in options])[idx]
        duration[mask] = np.array([s.duration for s in options])[idx]
    insured = (rng.random(count) < 0.55) & bool(plans)
    plan = np.where(insured, np.array(plans or [0])[rng.integers(0, max(1, len(plans)), count)], 0)
    co_pay = np.where(insured, rng.choice([0, 0, 10, 25], count), 0)
    covered = np.where(insured, np.maximum(np.round(price * rng.uniform(0.6, 0.9, count), 2) - co_pay, 0), 0)
    covered = np.round(covered, 2)
    patient_amount = np.round(price - covered, 2)

    # 6. Booking, confirmation, outcome (numpy datetimes, naive UTC).
    start = start.tz_convert(None).to_numpy()
    now_np = np.datetime64(now_ts.tz_convert(None).to_datetime64())
    hours = np.timedelta64(3600, "s")

    def td(values, unit_seconds):
        return (np.asarray(values, dtype=float) * unit_seconds * 1e9).astype("timedelta64[ns]")

    lead_days = np.where(rng.random(count) < 0.12, rng.uniform(0.05, 0.9, count), rng.exponential(9, count) + 1)
    requested = np.minimum(start - td(lead_days, 86400), now_np - hours)
    lead_days = (start - requested) / np.timedelta64(1, "D")
    confirmed_at = start - td(np.minimum(rng.uniform(0.5, 3, count), lead_days * 0.9), 86400)
    confirmed = (rng.random(count) < np.where(lead_days > 1, 0.72, 0.35)) & (confirmed_at < now_np)
    past = start < now_np
    hour_local = pd.DatetimeIndex(local_start).hour.to_numpy()
    wday = pd.DatetimeIndex(local_start).day_of_week.to_numpy()
    age = (today.year - birth_year[patient]).astype(float)
    cancel = past & (rng.random(count) < 0.06 + 0.05 * (lead_days > 14))
    modality = np.array(modalities)[mod_index]
    logit = (-3.5 + 0.35 * np.log1p(lead_days) + 1.2 * habit[patient] + 0.5 * ~insured + 1.0 * ~confirmed
             + np.array([0.2, 0, 0, 0, 0.25, 0.3, 0])[wday] + 0.3 * (hour_local < 9) + 0.2 * (hour_local >= 15)
             + 0.4 * ((age >= 18) & (age < 30)) - 0.2 * (age >= 65) - 0.3 * (modality == "mri"))
    no_show = past & ~cancel & (rng.random(count) < 1 / (1 + np.exp(-logit)))
    completed = past & ~cancel & ~no_show
    status = np.where(cancel, "cancelled", np.where(no_show, "no_show", np.where(
        completed, "completed", np.where(confirmed, "confirmed", "requested"))))

    slot_minutes = np.array([slot[m] for m in modality], dtype=float)
    end = start + td(slot_minutes, 60)
    cancelled_at = requested + ((start - requested) * rng.uniform(0.2, 0.95, count)).astype("timedelta64[ns]")
    checked_in_at = start - td(rng.uniform(5, 20, count), 60)
    completed_at = start + td(slot_minutes * 0.9, 60)
    no_show_at = start + td(np.full(count, 30), 60)
    nat = np.datetime64("NaT", "ns")

    appointments = pd.DataFrame({
        "patient": patient, "scan_type_id": scan_pk, "room": room_index,
        "start": start, "end": end, "status": status, "requested_at": requested,
        "confirmed_at": np.where(confirmed & ~cancel, confirmed_at, nat),
        "checked_in_at": np.where(completed, checked_in_at, nat),
        "completed_at": np.where(completed, completed_at, nat),
        "cancelled_at": np.where(cancel, cancelled_at, nat),
        "no_show_at": np.where(no_show, no_show_at, nat),
        "price": np.round(price, 2), "plan_id": plan, "covered_amount": covered, "co_payment": co_pay.astype(float),
        "patient_amount": patient_amount, "cancellation_reason": np.where(cancel, "Patient cancelled", ""),
    })

    # 7. Payments for completed visits: the medical-aid claim and the patient's share.
    done = np.nonzero(completed)[0]
    comp = completed_at[done]
    claim = done[covered[done] > 0]
    claim_paid_at = completed_at[claim] + td(rng.uniform(7, 45, len(claim)), 86400)
    claim_is_paid = (claim_paid_at < now_np) & (rng.random(len(claim)) < 0.95)
    share = done[patient_amount[done] > 0]
    pays = rng.random(len(share))
    share_status = np.where(pays < 0.03, "partially_refunded", np.where(pays < 0.90, "paid", np.where(
        pays < 0.95, "pending", "none")))
    keep = share_status != "none"
    share, share_status = share[keep], share_status[keep]
    method = METHODS[rng.choice(len(METHODS), len(share), p=METHOD_SHARE)]
    online = method == "card_online"
    share_paid_at = np.where(online, requested[share] + td(np.full(len(share), 5), 60),
                             completed_at[share] + td(rng.uniform(0, 2, len(share)), 3600))
    share_amount = patient_amount[share]
    refunded = np.where(share_status == "partially_refunded", np.round(share_amount * 0.5, 2), 0.0)
    paid_at = np.concatenate([np.where(claim_is_paid, claim_paid_at, nat),
                              np.where(share_status == "pending", nat, share_paid_at)])
    refunded_amount = np.concatenate([np.zeros(len(claim)), refunded])
    payments = pd.DataFrame({
        "appointment": np.concatenate([claim, share]),
        "amount": np.concatenate([covered[claim], share_amount]),
        "method": np.concatenate([np.full(len(claim), "medical_aid_claim"), method]),
        "status": np.concatenate([np.where(claim_is_paid, "paid", "pending"), share_status]),
        "paid_at": paid_at, "refunded_amount": refunded_amount,
        "refunded_at": np.where(refunded_amount > 0, paid_at + td(np.full(len(paid_at), 3), 86400), nat),
    })

    # 8. Feedback from about a third of completed visits.
    fb_at = completed_at[done] + td(rng.uniform(2, 72, len(done)), 3600)
    answered = (rng.random(len(done)) < 0.35) & (fb_at < now_np)  # not yet answered if still to come
    fb, fb_at = done[answered], fb_at[answered]
    waited = rng.integers(1, 6, len(fb))
    overall = np.clip(np.round(rng.normal(3.6, 0.9, len(fb)) + 0.25 * (waited - 3)), 1, 5).astype(int)
    recommend = np.clip(np.round(overall * 2 + rng.normal(-0.5, 1.3, len(fb))), 0, 10).astype(int)
    with_comment = rng.random(len(fb)) < 0.3
    comment_pick = rng.integers(0, 2, len(fb))
    feedback = pd.DataFrame({
        "appointment": fb, "overall": overall, "waiting_time": waited,
        "staff": np.clip(overall + rng.integers(-1, 2, len(fb)), 1, 5),
        "recommend": recommend,
        "comments": [COMMENTS[o][c] if w else "" for o, c, w in zip(overall, comment_pick, with_comment, strict=True)],
        "created_at": fb_at,
    })

    # 9. Reports: each radiologist has their own typical turnaround.
    k = max(1, len(radiologists))
    medians = np.array([3.0, 6.0, 10.0, 18.0, 30.0, 8.0] * (k // 6 + 1))[:k]
    who = rng.integers(0, k, len(done))
    signed = comp + td(rng.lognormal(np.log(medians[who]), 0.6), 3600)
    if days_ahead <= 0:  # history: every scan is reported by now (none waits on a radiologist's worklist)
        signed = np.minimum(signed, np.maximum(comp + td(np.full(len(done), 45), 60), now_np - td(np.ones(1), 60)))
    signed_ok = signed < now_np
    signed_at = np.where(signed_ok, signed, nat)
    reports = pd.DataFrame({
        "appointment": done, "radiologist_id": np.array(radiologists or [0])[who],
        "status": np.where(signed_ok, "signed", "draft"), "signed_at": signed_at, "released_at": signed_at,
        # as signing stamps it (reports.services): whole seconds from the scan's completion
        "turnaround_seconds": np.where(signed_ok, np.floor((signed - comp) / np.timedelta64(1, "s")), np.nan),
        "created_at": comp + td(np.full(len(done), 30), 60),
    })
    return History(patients, rooms, appointments, payments, feedback, reports)
