//! `sqlx::migrate!` embeds the migration files at compile time; without this
//! a new migration would not reach the binary until something else changed.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
