from portal.booking.tests.conftest import (  # noqa: F401 - shared fixtures
    committed_db,
    day,
    other_patient,
    patient,
    room,
    scan,
)
