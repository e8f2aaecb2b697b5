//! The `jsonnet` property of `fieldmap_fuzz`; the regression test replays the same function.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: {
        // libFuzzer's hook aborts on every panic, caught or not. The Jsonnet workers catch a
        // panic inside jrsonnet and fail the block with it (the property then sees an issue),
        // so a panic in jrsonnet's code on their threads is reported, not fatal; a panic in
        // fieldmap's own code, or on any other thread, is a bug and still aborts.
        let abort_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_jrsonnet = info.location().is_some_and(|l| l.file().contains("jrsonnet"));
            if in_jrsonnet && std::thread::current().name() == Some("fieldmap-jsonnet") {
                eprintln!("caught in a Jsonnet worker: {info}");
            } else {
                abort_hook(info);
            }
        }));
    },
    |data: &[u8]| fieldmap_fuzz::jsonnet(data)
);
