-- A school on SQLite: exact-length student numbers, GLOB course codes, NULL combinations,
-- NOT IN statuses, graded scores with an IN list of letters, a WITHOUT ROWID enrolment.
CREATE TABLE teachers (
  teacher_id INTEGER PRIMARY KEY,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  office TEXT CHECK (office GLOB '[A-D]-[0-9][0-9][0-9]'),
  hired_on DATE NOT NULL
);
CREATE TABLE courses (
  course_id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE CHECK (code GLOB '[A-Z][A-Z][A-Z][0-9][0-9][0-9]'),
  title TEXT NOT NULL CHECK (length(title) >= 4),
  teacher_id INTEGER NOT NULL REFERENCES teachers(teacher_id),
  credits INTEGER NOT NULL CHECK (credits IN (1, 2, 3, 4, 6)),
  capacity INTEGER NOT NULL CHECK (capacity > 0 AND capacity <= 300)
);
CREATE TABLE students (
  student_id INTEGER PRIMARY KEY,
  student_number TEXT NOT NULL UNIQUE CHECK (length(student_number) = 8),
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  birth_date DATE NOT NULL,
  enrolled_on DATE NOT NULL,
  graduated_on DATE,
  guardian_phone TEXT,
  guardian_email TEXT,
  CHECK (graduated_on > enrolled_on),
  CHECK ((guardian_phone IS NULL) = (guardian_email IS NULL))
);
CREATE TABLE enrolments (
  student_id INTEGER NOT NULL REFERENCES students(student_id),
  course_id INTEGER NOT NULL REFERENCES courses(course_id),
  enrolled_at TIMESTAMP NOT NULL,
  status TEXT NOT NULL CHECK (status NOT IN ('unknown', '')),
  PRIMARY KEY (student_id, course_id)
) WITHOUT ROWID;
CREATE TABLE grades (
  grade_id INTEGER PRIMARY KEY,
  student_id INTEGER NOT NULL REFERENCES students(student_id),
  course_id INTEGER NOT NULL REFERENCES courses(course_id),
  score NUMERIC(5,2) NOT NULL CHECK (score BETWEEN 0 AND 100),
  letter TEXT NOT NULL CHECK (letter IN ('A', 'B', 'C', 'D', 'F')),
  graded_at TIMESTAMP NOT NULL
);
