//! vigie-discover finds out, from the outside, which providers a host relies on: the
//! provider catalogue, the IP-prefix table and DNS/HTTP fingerprinting.
