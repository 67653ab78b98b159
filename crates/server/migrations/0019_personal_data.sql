-- What a channel tells about a client beyond their name (phone, email, username, profile
-- link, avatar), and Settings › Advanced "Hide personal data from operators" (off by default:
-- no row means off). A deleted group leaves the exempt list (storage::groups::delete).
ALTER TABLE clients ADD COLUMN phone TEXT;
ALTER TABLE clients ADD COLUMN email TEXT;
ALTER TABLE clients ADD COLUMN username TEXT;
ALTER TABLE clients ADD COLUMN profile_url TEXT;
ALTER TABLE clients ADD COLUMN avatar_url TEXT;

CREATE TABLE personal_data_settings (
    company_id    INTEGER PRIMARY KEY REFERENCES companies(id),
    enabled       INTEGER NOT NULL DEFAULT 0,
    hide_avatars  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE personal_data_exempt_groups (
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    group_id    INTEGER NOT NULL REFERENCES company_groups(id),
    PRIMARY KEY (company_id, group_id)
);
