DROP TABLE directory_groups;
DROP TABLE directory_entries;
DROP TABLE scim_tokens;
