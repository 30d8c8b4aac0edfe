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

/// A format 1 store (before the all-workspace index of due tickets) is upgraded when opened:
/// the SLA sweep's due query finds the tickets written before, from the index.
#[test]
fn a_format_1_store_gains_the_due_ticket_index_when_opened() {
    use crate::layout::CROSS_SCOPE;
    use gopimi_core::store::{Filter, Kind, Query, SortKey, Store};
    use gopimi_core::testing::{due::with_due, sample};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let due = Query::new(Kind::Ticket, None)
        .filter(Filter::Lt("sla_due_at", sample::t(1_000).into()))
        .sort(SortKey::asc("sla_due_at"))
        .limit(10);
    let mut ids = Vec::new();
    {
        let store = SledStore::open(dir.path()).expect("new store");
        rt.block_on(async {
            for w in 0..2 {
                let ws = sample::new_workspace(&store, &format!("W{w}")).await;
                let mut t = with_due(sample::ticket(ws.id(), 1, "Due"), Some(sample::t(w)));
                sample::put(&store, &mut t).await;
                ids.push(t.id.0);
            }
            let found = store.query(&due).await.expect("query");
            assert_eq!(sample::ids(&found.rows), ids);
        });
    }
    // What a format 1 store holds: no all-workspace entries.
    let strip = |format: u8| {
        let db = sled::open(dir.path()).expect("plain sled");
        let idx = db.open_tree("tickets:idx").expect("index tree");
        let cross: Vec<_> = idx
            .scan_prefix(CROSS_SCOPE)
            .keys()
            .map(|k| k.expect("key"))
            .collect();
        assert_eq!(cross.len(), 2, "one entry per due ticket");
        for k in cross {
            idx.remove(k).expect("remove");
        }
        set_format(&db.open_tree("gopimi:meta").expect("meta"), format).expect("mark");
        db.flush().expect("flush");
    };
    strip(STORE_FORMAT);
    {
        // Marked current but missing the entries: the query reads the index, finds nothing.
        let store = SledStore::open(dir.path()).expect("reopen");
        let found = rt.block_on(store.query(&due)).expect("query");
        assert!(
            found.rows.is_empty(),
            "the due query is answered from the index"
        );
        rt.block_on(async {
            let mut w = gopimi_core::store::Writes::new();
            // Put the entries back through a real write, then strip them again as format 1.
            for id in &ids {
                let t: gopimi_core::model::Ticket =
                    gopimi_core::store::StoreExt::require(&store, None, *id)
                        .await
                        .expect("ticket");
                let mut t = t;
                w.update(&mut t).expect("update");
            }
            w.apply(&store).await.expect("rewrite");
        });
    }
    strip(1);
    let store = SledStore::open(dir.path()).expect("upgraded");
    let found = rt.block_on(store.query(&due)).expect("query");
    assert_eq!(sample::ids(&found.rows), ids, "found after the upgrade");
    drop(store);
    let db = sled::open(dir.path()).expect("plain sled");
    let meta = db.open_tree("gopimi:meta").expect("meta");
    assert_eq!(
        meta.get(b"format").expect("read").map(|v| v.to_vec()),
        Some(vec![STORE_FORMAT])
    );
}
