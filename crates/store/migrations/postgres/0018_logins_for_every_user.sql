-- An email belongs to one org from the moment its user is created, not only
-- once it has a password: claim a login for every user made before this
-- rule. Where two orgs hold the same address and neither has a password
-- yet, the one whose id sorts first keeps it (the other's admin gets a
-- conflict naming the email when setting a password).
INSERT INTO logins (email, org_id)
SELECT email, MIN(org_id) FROM users GROUP BY email
ON CONFLICT (email) DO NOTHING;
