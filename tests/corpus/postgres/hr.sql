-- Human resources in the style of the classic HR sample (regions, departments, jobs,
-- employees, job history): composite type, domain over numeric, uuid, network types, bit
-- strings, xml, date ranges, column comparisons and NULL combinations.
CREATE TYPE postal_address AS (street text, city varchar(60), zip integer);
CREATE DOMAIN positive_salary AS numeric(9,2) CHECK (VALUE > 0 AND VALUE < 1000000);
CREATE TABLE regions (
  region_id smallint PRIMARY KEY,
  region_name varchar(25) NOT NULL UNIQUE
);
CREATE TABLE jobs (
  job_id varchar(10) PRIMARY KEY CHECK (job_id ~ '^[A-Z]{2}_[A-Z]{2,7}$'),
  job_title varchar(35) NOT NULL,
  min_salary positive_salary NOT NULL,
  max_salary positive_salary NOT NULL,
  CHECK (min_salary <= max_salary)
);
CREATE TABLE departments (
  department_id int PRIMARY KEY,
  department_name varchar(30) NOT NULL,
  region_id smallint REFERENCES regions(region_id),
  office_address postal_address,
  subnet cidr NOT NULL
);
CREATE TABLE employees (
  employee_id int PRIMARY KEY,
  public_id uuid NOT NULL UNIQUE,
  first_name varchar(20),
  last_name varchar(25) NOT NULL,
  email varchar(80) NOT NULL UNIQUE CHECK (email LIKE '%_@_%'),
  work_phone varchar(20),
  mobile_phone varchar(20),
  hire_date date NOT NULL,
  job_id varchar(10) NOT NULL REFERENCES jobs(job_id),
  salary positive_salary NOT NULL,
  commission_pct numeric(2,2) CHECK (commission_pct * 100 < 50),
  manager_id int REFERENCES employees(employee_id),
  department_id int REFERENCES departments(department_id),
  laptop_ip inet,
  laptop_mac macaddr,
  permissions bit(8) NOT NULL,
  feature_flags varbit(16),
  badge_code char(6) NOT NULL CHECK (char_length(badge_code) = 6),
  CONSTRAINT reachable CHECK (work_phone IS NOT NULL OR mobile_phone IS NOT NULL),
  CONSTRAINT job_not_placeholder CHECK (job_id <> 'XX_NONE')
);
CREATE TABLE job_history (
  employee_id int NOT NULL REFERENCES employees(employee_id),
  start_date date NOT NULL,
  end_date date NOT NULL,
  period daterange,
  job_id varchar(10) NOT NULL REFERENCES jobs(job_id),
  department_id int REFERENCES departments(department_id),
  review xml,
  PRIMARY KEY (employee_id, start_date),
  CHECK (end_date > start_date)
);
