from portal.booking.tests.conftest import day, other_patient, patient, room, staff_user  # noqa: F401 - shared fixtures
