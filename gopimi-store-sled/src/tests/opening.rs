//! Opening directories that are not ours, damaged, or newer.

use crate::SledStore;
use crate::open::{STORE_FORMAT, set_format};

fn refused(path: &std::path::Path) -> String {
    match SledStore::open(path) {
        Ok(_) => panic!("{} was opened", path.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_file_where_the_directory_should_be_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("store");
    std::fs::write(&file, b"not a directory").expect("write");
    let err = refused(&file);
    assert!(err.contains("not a directory"), "{err}");
}

#[test]
fn a_directory_of_someone_elses_files_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.txt"), b"hello").expect("write");
    std::fs::write(dir.path().join("photo.jpg"), [0xFFu8, 0xD8, 0xFF, 0xE0]).expect("write");
    let err = refused(dir.path());
    assert!(err.contains("holds no sled database"), "{err}");
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["notes.txt", "photo.jpg"],
        "nothing was written there"
    );
}

#[test]
fn a_sled_database_written_by_another_program_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let db = sled::open(dir.path()).expect("plain sled");
        db.insert(b"someone", b"else").expect("insert");
        db.flush().expect("flush");
    }
    let err = refused(dir.path());
    assert!(err.contains("not written by gopimi"), "{err}");
}

#[test]
fn damaged_sled_files_are_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = SledStore::open(dir.path()).expect("new store");
        drop(store);
    }
    // Overwrite sled's files with noise of the same size.
    for name in ["conf", "db"] {
        let path = dir.path().join(name);
        let len = std::fs::metadata(&path).expect("sled file").len() as usize;
        let noise: Vec<u8> = (0..len.max(64)).map(|i| (i * 7919 % 251) as u8).collect();
        std::fs::write(&path, noise).expect("overwrite");
    }
    let err = refused(dir.path());
    assert!(err.contains("sled store"), "{err}");
}

#[test]
fn a_store_written_by_a_newer_format_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = SledStore::open(dir.path()).expect("new store");
        set_format(store.meta(), STORE_FORMAT + 1).expect("mark newer");
    }
    let err = refused(dir.path());
    assert!(err.contains("newer gopimi"), "{err}");
    // The same directory marked with our format opens again.
    {
        let db = sled::open(dir.path()).expect("plain sled");
        let meta = db.open_tree("gopimi:meta").expect("meta");
        set_format(&meta, STORE_FORMAT).expect("mark current");
    }
    SledStore::open(dir.path()).expect("our format opens");
}

#[test]
fn an_empty_directory_becomes_a_store_and_reopens() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(SledStore::open(dir.path()).expect("new store"));
    drop(SledStore::open(dir.path()).expect("reopened"));
    let missing = dir.path().join("a/b");
    drop(SledStore::open(&missing).expect("created with parents"));
    drop(SledStore::open(&missing).expect("reopened"));
}

#[test]
fn a_store_in_use_by_another_handle_is_reported_unavailable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _first = SledStore::open(dir.path()).expect("new store");
    match SledStore::open(dir.path()) {
        Ok(_) => panic!("opened twice"),
        Err(e) => assert!(matches!(e, gopimi_core::Error::Unavailable { .. }), "{e}"),
    }
}
