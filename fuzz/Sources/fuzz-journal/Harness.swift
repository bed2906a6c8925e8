import SweepKitFuzzing

/// libFuzzer's entry point (it provides main): one input through FuzzHarness.journal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.journal.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
