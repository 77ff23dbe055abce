//! `sqlx::migrate!` embeds `migrations/` when the crate compiles; without this, a new
//! migration file alone would not rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
