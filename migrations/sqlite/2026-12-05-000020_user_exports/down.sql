DROP TABLE user_exports;
