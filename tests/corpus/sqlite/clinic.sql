-- A clinic on SQLite: json_valid documents, GLOB record numbers, start/end comparisons,
-- min/max doses, arithmetic refills, BLOB scans, one-of-two contact details.
CREATE TABLE doctors (
  doctor_id INTEGER PRIMARY KEY,
  license_no TEXT NOT NULL UNIQUE CHECK (license_no GLOB 'MD[0-9][0-9][0-9][0-9][0-9][0-9]*'),
  full_name TEXT NOT NULL,
  specialty TEXT NOT NULL CHECK (specialty IN ('general', 'cardiology', 'dermatology', 'pediatrics')),
  settings TEXT CHECK (json_valid(settings))
);
CREATE TABLE patients (
  patient_id INTEGER PRIMARY KEY,
  mrn TEXT NOT NULL UNIQUE CHECK (mrn LIKE 'P%' AND length(mrn) = 10),
  full_name TEXT NOT NULL,
  birth_date DATE NOT NULL,
  address TEXT CHECK (json_valid(address)),
  phone TEXT,
  email TEXT,
  CHECK (phone IS NOT NULL OR email IS NOT NULL)
);
CREATE TABLE appointments (
  appointment_id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients(patient_id),
  doctor_id INTEGER NOT NULL REFERENCES doctors(doctor_id),
  starts_at TIMESTAMP NOT NULL,
  ends_at TIMESTAMP NOT NULL,
  reason TEXT,
  scan BLOB,
  CHECK (ends_at > starts_at)
);
CREATE TABLE prescriptions (
  prescription_id INTEGER PRIMARY KEY,
  appointment_id INTEGER NOT NULL REFERENCES appointments(appointment_id),
  drug_code TEXT NOT NULL CHECK (drug_code GLOB 'RX[0-9][0-9][0-9][0-9]*'),
  min_dose_mg INTEGER NOT NULL CHECK (min_dose_mg > 0),
  max_dose_mg INTEGER NOT NULL CHECK (max_dose_mg <= 5000),
  refills INTEGER NOT NULL CHECK (refills >= 0 AND refills * 30 <= 360),
  CHECK (min_dose_mg <= max_dose_mg)
);
CREATE TABLE invoices (
  invoice_id INTEGER PRIMARY KEY,
  appointment_id INTEGER NOT NULL UNIQUE REFERENCES appointments(appointment_id),
  insurance_covered NUMERIC(10,2) NOT NULL CHECK (insurance_covered >= 0),
  total NUMERIC(10,2) NOT NULL CHECK (total > 0),
  paid_on DATE,
  CHECK (insurance_covered <= total)
);
