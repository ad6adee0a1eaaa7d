//! The `postsale` command.

fn main() {}
