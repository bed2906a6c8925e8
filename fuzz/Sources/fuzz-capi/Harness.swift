import SweepKitFuzzing

/// libFuzzer's entry point (it provides main): one input through FuzzHarness.capi.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.capi.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
