import SweepKitFuzzing

/// libFuzzer's entry point (it provides main): one input through FuzzHarness.json.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.json.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
