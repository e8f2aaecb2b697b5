//! The `jsonnet` property of `fieldmap_fuzz`; the regression test replays the same function.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: {
        // libFuzzer's hook aborts on every panic, caught or not. The Jsonnet workers catch a
        // panic inside jrsonnet and fail the block with it (the property then sees an issue),
        // so on their threads a panic is reported, not fatal; anywhere else it still aborts.
        let abort_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some("fieldmap-jsonnet") {
                eprintln!("caught in a Jsonnet worker: {info}");
            } else {
                abort_hook(info);
            }
        }));
    },
    |data: &[u8]| fieldmap_fuzz::jsonnet(data)
);
