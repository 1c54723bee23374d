-- Human resources on SQLite: GLOB job ids, LIKE emails, same-row comparisons, NULL
-- combinations, NOT IN, <>, arithmetic, and a self-referencing manager.
CREATE TABLE regions (
  region_id INTEGER PRIMARY KEY,
  region_name TEXT NOT NULL UNIQUE
);
CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY CHECK (job_id GLOB '[A-Z][A-Z]_[A-Z][A-Z]*' AND length(job_id) <= 10),
  job_title TEXT NOT NULL,
  min_salary NUMERIC(8,2) NOT NULL CHECK (min_salary > 0),
  max_salary NUMERIC(8,2) NOT NULL CHECK (max_salary < 500000),
  CHECK (min_salary <= max_salary)
);
CREATE TABLE departments (
  department_id INTEGER PRIMARY KEY,
  department_name TEXT NOT NULL CHECK (department_name NOT IN ('', 'TBD')),
  region_id INTEGER REFERENCES regions(region_id),
  budget_code TEXT NOT NULL CHECK (length(budget_code) = 8)
);
CREATE TABLE employees (
  employee_id INTEGER PRIMARY KEY,
  first_name TEXT,
  last_name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE CHECK (email LIKE '%_@_%'),
  work_phone TEXT,
  mobile_phone TEXT,
  hire_date DATE NOT NULL,
  termination_date DATE,
  job_id TEXT NOT NULL REFERENCES jobs(job_id),
  salary NUMERIC(8,2) NOT NULL CHECK (salary * 12 < 6000000 AND salary > 0),
  commission_pct NUMERIC(2,2) CHECK (commission_pct <> 0),
  manager_id INTEGER REFERENCES employees(employee_id),
  department_id INTEGER REFERENCES departments(department_id),
  CHECK (work_phone IS NOT NULL OR mobile_phone IS NOT NULL),
  CHECK (termination_date > hire_date)
);
CREATE TABLE job_history (
  employee_id INTEGER NOT NULL REFERENCES employees(employee_id),
  start_date DATE NOT NULL,
  end_date DATE NOT NULL,
  job_id TEXT NOT NULL REFERENCES jobs(job_id),
  department_id INTEGER REFERENCES departments(department_id),
  PRIMARY KEY (employee_id, start_date),
  CHECK (end_date > start_date)
) WITHOUT ROWID;
