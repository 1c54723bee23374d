-- A clinic on MariaDB: JSON address/settings, POINT locations, ENUM blood types, exact-length
-- MRNs, start/end comparisons, NULL combinations and arithmetic limits.
CREATE TABLE doctors (
  doctor_id INT AUTO_INCREMENT PRIMARY KEY,
  license_no VARCHAR(12) NOT NULL UNIQUE CHECK (license_no REGEXP '^MD[0-9]{6,10}$'),
  full_name VARCHAR(100) NOT NULL,
  specialty VARCHAR(40) NOT NULL CHECK (specialty IN ('general', 'cardiology', 'dermatology', 'pediatrics')),
  settings JSON,
  accepting TINYINT(1) NOT NULL
);
CREATE TABLE patients (
  patient_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  mrn CHAR(10) NOT NULL UNIQUE CHECK (CHAR_LENGTH(mrn) = 10 AND mrn LIKE 'P%'),
  full_name VARCHAR(100) NOT NULL,
  birth_date DATE NOT NULL,
  blood_type ENUM('A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'),
  address JSON,
  home POINT,
  phone VARCHAR(20),
  email VARCHAR(120),
  CHECK (phone IS NOT NULL OR email IS NOT NULL)
);
CREATE TABLE appointments (
  appointment_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  patient_id BIGINT NOT NULL,
  doctor_id INT NOT NULL,
  starts_at DATETIME NOT NULL,
  ends_at DATETIME NOT NULL,
  reason TEXT,
  CHECK (ends_at > starts_at),
  FOREIGN KEY (patient_id) REFERENCES patients(patient_id),
  FOREIGN KEY (doctor_id) REFERENCES doctors(doctor_id)
);
CREATE TABLE prescriptions (
  prescription_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  appointment_id BIGINT NOT NULL,
  drug_code VARCHAR(10) NOT NULL CHECK (drug_code RLIKE '^RX[0-9]{4,8}$'),
  min_dose_mg INT NOT NULL CHECK (min_dose_mg > 0),
  max_dose_mg INT NOT NULL CHECK (max_dose_mg <= 5000),
  refills SMALLINT NOT NULL CHECK (refills >= 0 AND refills * 30 <= 360),
  CHECK (min_dose_mg <= max_dose_mg),
  FOREIGN KEY (appointment_id) REFERENCES appointments(appointment_id)
);
CREATE TABLE invoices (
  invoice_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  appointment_id BIGINT NOT NULL UNIQUE,
  insurance_covered DECIMAL(10,2) NOT NULL CHECK (insurance_covered >= 0),
  total DECIMAL(10,2) NOT NULL CHECK (total > 0),
  paid_on DATE,
  CHECK (insurance_covered <= total),
  FOREIGN KEY (appointment_id) REFERENCES appointments(appointment_id)
);
