-- A school on MariaDB: ENUM terms, SET subjects, exact-length codes, NULL combinations,
-- a CHECK beyond the generators (MOD on two columns) filtered by the engine.
CREATE TABLE teachers (
  teacher_id INT AUTO_INCREMENT PRIMARY KEY,
  first_name VARCHAR(40) NOT NULL,
  last_name VARCHAR(40) NOT NULL,
  email VARCHAR(120) NOT NULL UNIQUE,
  subjects SET('math', 'physics', 'chemistry', 'history', 'art', 'music') NOT NULL,
  hired_on DATE NOT NULL
);
CREATE TABLE courses (
  course_id INT AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(8) NOT NULL UNIQUE CHECK (code REGEXP '^[A-Z]{3,4}[0-9]{3}$'),
  title VARCHAR(120) NOT NULL,
  teacher_id INT NOT NULL,
  credits TINYINT NOT NULL CHECK (credits IN (1, 2, 3, 4, 6)),
  term ENUM('autumn', 'spring', 'summer') NOT NULL,
  capacity SMALLINT NOT NULL CHECK (capacity > 0 AND capacity <= 300),
  FOREIGN KEY (teacher_id) REFERENCES teachers(teacher_id)
);
CREATE TABLE students (
  student_id INT AUTO_INCREMENT PRIMARY KEY,
  student_number CHAR(8) NOT NULL UNIQUE CHECK (CHAR_LENGTH(student_number) = 8),
  first_name VARCHAR(40) NOT NULL,
  last_name VARCHAR(40) NOT NULL,
  birth_date DATE NOT NULL,
  enrolled_on DATE NOT NULL,
  graduated_on DATE,
  guardian_phone VARCHAR(20),
  guardian_email VARCHAR(120),
  CHECK (graduated_on > enrolled_on),
  CHECK (guardian_phone IS NOT NULL OR guardian_email IS NOT NULL)
);
CREATE TABLE enrolments (
  student_id INT NOT NULL,
  course_id INT NOT NULL,
  enrolled_at DATETIME NOT NULL,
  status VARCHAR(10) NOT NULL CHECK (status NOT IN ('unknown', '')),
  PRIMARY KEY (student_id, course_id),
  FOREIGN KEY (student_id) REFERENCES students(student_id),
  FOREIGN KEY (course_id) REFERENCES courses(course_id)
);
CREATE TABLE grades (
  grade_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  student_id INT NOT NULL,
  course_id INT NOT NULL,
  score DECIMAL(5,2) NOT NULL CHECK (score BETWEEN 0 AND 100),
  bonus DECIMAL(5,2) NOT NULL CHECK (bonus >= 0),
  letter CHAR(1) NOT NULL CHECK (letter IN ('A', 'B', 'C', 'D', 'F')),
  graded_at DATETIME NOT NULL,
  CONSTRAINT capped CHECK (score + bonus <= 110),
  FOREIGN KEY (student_id) REFERENCES students(student_id),
  FOREIGN KEY (course_id) REFERENCES courses(course_id)
);
