-- One database per service: no service reads another's tables.
CREATE DATABASE leaders;
CREATE DATABASE screenings;
CREATE DATABASE mailer;
CREATE DATABASE gateway;
