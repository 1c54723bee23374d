-- A school (teachers, courses, students, enrolments, grades): composite names, an enum,
-- tsrange timetables, bit varying attendance, xml transcripts, char_length and NOT IN checks.
CREATE TYPE person_name AS (given text, family text);
CREATE TYPE term AS ENUM ('autumn', 'spring', 'summer');
CREATE TABLE teachers (
  teacher_id serial PRIMARY KEY,
  name person_name NOT NULL,
  email varchar(120) NOT NULL UNIQUE,
  office varchar(6) CHECK (office ~ '^[A-D]-[0-9]{3}$'),
  hired_on date NOT NULL,
  subjects text[] NOT NULL
);
CREATE TABLE courses (
  course_id serial PRIMARY KEY,
  code varchar(8) NOT NULL UNIQUE CHECK (code ~ '^[A-Z]{3,4}[0-9]{3}$'),
  title varchar(120) NOT NULL CHECK (char_length(title) >= 4),
  teacher_id int NOT NULL REFERENCES teachers(teacher_id),
  credits smallint NOT NULL CHECK (credits IN (1, 2, 3, 4, 6)),
  term term NOT NULL,
  timetable tsrange,
  capacity smallint NOT NULL CHECK (capacity > 0 AND capacity <= 300)
);
CREATE TABLE students (
  student_id serial PRIMARY KEY,
  student_number char(8) NOT NULL UNIQUE CHECK (length(student_number) = 8),
  name person_name NOT NULL,
  birth_date date NOT NULL,
  enrolled_on date NOT NULL,
  graduated_on date,
  guardian_phone varchar(20),
  guardian_email varchar(120),
  CHECK (graduated_on > enrolled_on),
  CHECK (guardian_phone IS NOT NULL OR guardian_email IS NOT NULL)
);
CREATE TABLE enrolments (
  student_id int NOT NULL REFERENCES students(student_id),
  course_id int NOT NULL REFERENCES courses(course_id),
  enrolled_at timestamptz NOT NULL,
  attendance bit varying(32),
  status varchar(10) NOT NULL CHECK (status NOT IN ('unknown', '')),
  PRIMARY KEY (student_id, course_id)
);
CREATE TABLE grades (
  grade_id bigserial PRIMARY KEY,
  student_id int NOT NULL REFERENCES students(student_id),
  course_id int NOT NULL REFERENCES courses(course_id),
  score numeric(5,2) NOT NULL CHECK (score BETWEEN 0 AND 100),
  letter char(1) NOT NULL CHECK (letter IN ('A', 'B', 'C', 'D', 'F')),
  transcript xml,
  graded_at timestamptz NOT NULL
);
