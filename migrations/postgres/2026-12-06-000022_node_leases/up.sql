-- The node numbers of the id generator, leased by the processes serving one database so that
-- no two of them make ids with the same node (src/db/node_lease.rs).
CREATE TABLE node_leases (
    node INTEGER PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
