-- Human resources (regions, jobs, departments, employees, job history) on MariaDB:
-- same-row comparisons, NULL combinations, NOT IN, arithmetic and length CHECKs.
CREATE TABLE regions (
  region_id INT PRIMARY KEY,
  region_name VARCHAR(25) NOT NULL UNIQUE
);
CREATE TABLE jobs (
  job_id VARCHAR(10) PRIMARY KEY CHECK (job_id REGEXP '^[A-Z]{2}_[A-Z]{2,7}$'),
  job_title VARCHAR(35) NOT NULL,
  min_salary DECIMAL(8,2) NOT NULL CHECK (min_salary > 0),
  max_salary DECIMAL(8,2) NOT NULL CHECK (max_salary < 500000),
  CONSTRAINT salary_range CHECK (min_salary <= max_salary)
);
CREATE TABLE departments (
  department_id INT PRIMARY KEY,
  department_name VARCHAR(30) NOT NULL CHECK (department_name NOT IN ('', 'TBD')),
  region_id INT,
  budget_code CHAR(8) NOT NULL CHECK (LENGTH(budget_code) = 8),
  FOREIGN KEY (region_id) REFERENCES regions(region_id)
);
CREATE TABLE employees (
  employee_id INT PRIMARY KEY,
  first_name VARCHAR(20),
  last_name VARCHAR(25) NOT NULL,
  email VARCHAR(80) NOT NULL UNIQUE,
  work_phone VARCHAR(20),
  mobile_phone VARCHAR(20),
  hire_date DATE NOT NULL,
  termination_date DATE,
  job_id VARCHAR(10) NOT NULL,
  salary DECIMAL(8,2) NOT NULL CHECK (salary * 12 < 6000000),
  commission_pct DECIMAL(2,2) CHECK (commission_pct <> 0),
  manager_id INT,
  department_id INT,
  remote TINYINT(1) NOT NULL,
  CONSTRAINT reachable CHECK (work_phone IS NOT NULL OR mobile_phone IS NOT NULL),
  CONSTRAINT left_after_hire CHECK (termination_date > hire_date),
  FOREIGN KEY (job_id) REFERENCES jobs(job_id),
  FOREIGN KEY (manager_id) REFERENCES employees(employee_id),
  FOREIGN KEY (department_id) REFERENCES departments(department_id)
);
CREATE TABLE job_history (
  employee_id INT NOT NULL,
  start_date DATE NOT NULL,
  end_date DATE NOT NULL,
  job_id VARCHAR(10) NOT NULL,
  department_id INT,
  PRIMARY KEY (employee_id, start_date),
  CHECK (end_date > start_date),
  FOREIGN KEY (employee_id) REFERENCES employees(employee_id),
  FOREIGN KEY (job_id) REFERENCES jobs(job_id),
  FOREIGN KEY (department_id) REFERENCES departments(department_id)
);
