-- A clinic (doctors, patients, appointments, prescriptions, invoices): int8range dosage,
-- interval durations, inet devices, money, jsonb address and settings, 2-D vitals arrays.
CREATE TABLE doctors (
  doctor_id serial PRIMARY KEY,
  license_no varchar(12) NOT NULL UNIQUE CHECK (license_no ~ '^MD[0-9]{6,10}$'),
  full_name varchar(100) NOT NULL,
  specialty varchar(40) NOT NULL CHECK (specialty IN ('general', 'cardiology', 'dermatology', 'pediatrics', 'neurology')),
  settings jsonb,
  workstation inet
);
CREATE TABLE patients (
  patient_id bigserial PRIMARY KEY,
  mrn char(10) NOT NULL UNIQUE CHECK (mrn ~ '^P[0-9]{9}$'),
  full_name varchar(100) NOT NULL,
  birth_date date NOT NULL,
  sex char(1) CHECK (sex IN ('F', 'M', 'X')),
  address jsonb,
  blood_type varchar(3) CHECK (blood_type IN ('A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-')),
  allergies text[]
);
CREATE TABLE appointments (
  appointment_id bigserial PRIMARY KEY,
  patient_id bigint NOT NULL REFERENCES patients(patient_id),
  doctor_id int NOT NULL REFERENCES doctors(doctor_id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  duration interval,
  reason text,
  vitals real[][],
  CHECK (ends_at > starts_at)
);
CREATE TABLE prescriptions (
  prescription_id bigserial PRIMARY KEY,
  appointment_id bigint NOT NULL REFERENCES appointments(appointment_id),
  drug_code varchar(10) NOT NULL CHECK (drug_code SIMILAR TO 'RX[0-9]{4,8}'),
  dosage_mg int8range NOT NULL,
  refills smallint NOT NULL CHECK (refills >= 0 AND refills * 30 <= 360),
  notes text CHECK (length(notes) <= 500)
);
CREATE TABLE invoices (
  invoice_id bigserial PRIMARY KEY,
  appointment_id bigint NOT NULL UNIQUE REFERENCES appointments(appointment_id),
  amount money NOT NULL,
  insurance_covered numeric(10,2) NOT NULL CHECK (insurance_covered >= 0),
  total numeric(10,2) NOT NULL CHECK (total > 0),
  paid_on date,
  CHECK (insurance_covered <= total)
);
