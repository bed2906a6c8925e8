import SweepKit
import SweepKitJobs
import CSweepKit

// The compute-target part of sweepkit.h: what `az ml compute` does, for a workspace folder.

private func workspace(_ root: UnsafePointer<CChar>?) -> Workspace {
    Workspace(root: root.map { String(cString: $0) })
}

@_cdecl("sk_compute_create_or_update")
public func skComputeCreateOrUpdate(_ root: UnsafePointer<CChar>?, _ computeJSON: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let compute = try workspace(root).createOrUpdateCompute(JSONValue(parsing: requireString(computeJSON, "compute_json")))
        try output(compute.json(redacted: true).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_compute_show")
public func skComputeShow(_ root: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try output(workspace(root).compute(named: requireString(name, "name")).json(redacted: true).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_compute_list")
public func skComputeList(_ root: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try output(JSONValue.array(workspace(root).computes().map { $0.json(redacted: true) }).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_compute_delete")
public func skComputeDelete(_ root: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try workspace(root).deleteCompute(named: requireString(name, "name"))
        return SK_OK
    }
}
