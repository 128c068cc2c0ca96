"""Small synthetic DICOM studies (pydicom) for the demo and the tests: correct tags, a few hundred
KB, and a pattern per modality you can recognise (a CT phantom of discs, MR rings, an X-ray of
"bones", an ultrasound fan). No real patient's data anywhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian, generate_uid

SOP_CLASS = {
    "CT": "1.2.840.10008.5.1.4.1.1.2",  # CT Image Storage
    "MR": "1.2.840.10008.5.1.4.1.1.4",  # MR Image Storage
    "DX": "1.2.840.10008.5.1.4.1.1.1.1",  # Digital X-Ray Image Storage - For Presentation
    "US": "1.2.840.10008.5.1.4.1.1.6.1",  # Ultrasound Image Storage
    "MG": "1.2.840.10008.5.1.4.1.1.1.2",  # Digital Mammography X-Ray Image Storage - For Presentation
}
OTHER = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:size, 0:size]
    return (x - size / 2) / (size / 2), (y - size / 2) / (size / 2)


def pixels(modality: str, index: int, count: int, size: int = 128) -> np.ndarray:
    """The image `index` of `count` in a series: a pattern that changes from slice to slice."""
    x, y = _grid(size)
    r = np.sqrt(x**2 + y**2)
    z = (index + 0.5) / count - 0.5
    if modality == "CT":  # a phantom: water body, bone ring, two air holes and a contrast disc (HU + 1024)
        image = np.full((size, size), -1000.0)
        image[r < 0.85] = 40
        image[(r > 0.75) & (r < 0.85)] = 900
        for cx, cy, value in [(-0.35, -0.1, -900), (0.35, -0.1, -900), (0.0, 0.35 + z * 0.4, 250)]:
            image[np.sqrt((x - cx) ** 2 + (y - cy) ** 2) < 0.15 + 0.1 * abs(z)] = value
        return (image + 1024).clip(0, 4095).astype(np.uint16)
    if modality == "MR":  # concentric rings that breathe with the slice
        image = 600 + 400 * np.cos(r * (10 + 6 * z) * np.pi) * (r < 0.9)
        return image.clip(0, 1000).astype(np.uint16)
    if modality in ("DX", "MG", "CR"):  # soft tissue with three long "bones"
        image = 800 + 1200 * (np.abs(x) < 0.7)
        for cx in (-0.35, 0.0, 0.35):
            image = np.where((np.abs(x - cx) < 0.08) & (np.abs(y) < 0.8 - 0.1 * index), 3500, image)
        return image.clip(0, 4095).astype(np.uint16)
    # US (and anything else): a speckled fan
    angle = np.arctan2(x, y + 1)
    rng = np.random.default_rng(index)
    fan = (np.abs(angle) < 0.6) & (np.sqrt(x**2 + (y + 1) ** 2) < 1.9)
    image = fan * (90 + 60 * rng.random((size, size)) + 80 * (np.abs(r - 0.5 - 0.2 * z) < 0.05))
    return image.clip(0, 255).astype(np.uint8)


def study(*, patient_id: str, patient_name: str, accession_number: str, study_instance_uid: str,
          modality: str, description: str, study_date: dt.date, series: int = 2, per_series: int = 6,
          birth_date: str = "", size: int = 128) -> list[Dataset]:
    """One study as datasets ready to write or C-STORE."""
    sop_class = SOP_CLASS.get(modality, OTHER)
    datasets = []
    for s in range(series):
        series_uid = generate_uid()
        for i in range(per_series):
            data = pixels(modality, i, per_series, size)
            ds = Dataset()
            ds.file_meta = FileMetaDataset()
            ds.file_meta.MediaStorageSOPClassUID = sop_class
            ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
            ds.SOPClassUID = sop_class
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
            ds.SpecificCharacterSet = "ISO_IR 192"
            ds.PatientName = patient_name
            ds.PatientID = patient_id
            ds.PatientBirthDate = birth_date
            ds.PatientSex = ""
            ds.AccessionNumber = accession_number
            ds.StudyInstanceUID = study_instance_uid
            ds.SeriesInstanceUID = series_uid
            ds.StudyID = accession_number[-8:]
            ds.StudyDate = ds.SeriesDate = ds.ContentDate = study_date.strftime("%Y%m%d")
            ds.StudyTime = ds.SeriesTime = ds.ContentTime = "100000"
            ds.StudyDescription = description[:64]
            ds.SeriesDescription = f"{description[:40]} series {s + 1}"
            ds.Modality = modality
            ds.Manufacturer = "Radiology portal (synthetic demo)"
            ds.ReferringPhysicianName = ""
            ds.SeriesNumber = s + 1
            ds.InstanceNumber = i + 1
            ds.ImagePositionPatient = [0, 0, float(i * 5)]
            ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
            ds.PixelSpacing = [1.5, 1.5]
            ds.SliceThickness = 5
            ds.Rows, ds.Columns = data.shape
            ds.SamplesPerPixel = 1
            ds.PhotometricInterpretation = "MONOCHROME2"
            ds.BitsAllocated = data.dtype.itemsize * 8
            ds.BitsStored = 12 if data.dtype == np.uint16 else 8
            ds.HighBit = ds.BitsStored - 1
            ds.PixelRepresentation = 0
            if modality == "CT":
                ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
                ds.WindowCenter, ds.WindowWidth = 40, 400
            elif data.dtype == np.uint16:
                ds.WindowCenter, ds.WindowWidth = int(data.max()) // 2, int(data.max()) or 1
            ds.PixelData = data.tobytes()
            datasets.append(ds)
    return datasets


def write(datasets: Iterable[Dataset], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for ds in datasets:
        path = folder / f"{ds.SOPInstanceUID}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def c_store(datasets: Iterable[Dataset], *, host: str, port: int, called_ae: str, calling_ae: str) -> int:
    """Send the datasets to a DICOM storage SCP (Orthanc); returns how many were stored."""
    from pynetdicom import AE

    datasets = list(datasets)
    ae = AE(ae_title=calling_ae)
    for sop_class in {ds.SOPClassUID for ds in datasets}:
        ae.add_requested_context(sop_class, ExplicitVRLittleEndian)
    assoc = ae.associate(host, port, ae_title=called_ae)
    if not assoc.is_established:
        raise ConnectionError(f"The PACS at {host}:{port} refused the association")
    stored = 0
    try:
        for ds in datasets:
            status = assoc.send_c_store(ds)
            if status and status.Status == 0x0000:
                stored += 1
    finally:
        assoc.release()
    return stored
