import SweepKit
import SweepKitJobs
import CSweepKit

// The sweep-job part of sweepkit.h.

private func workspace(_ root: UnsafePointer<CChar>?) -> Workspace {
    Workspace(root: root.map { String(cString: $0) })
}

@_cdecl("sk_job_submit")
public func skJobSubmit(_ root: UnsafePointer<CChar>?, _ jobJSON: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let workspace = workspace(root)
        let spec = try workspace.submit(requireDocument(jobJSON, "job_json"))
        try output(workspace.report(spec.name).json.jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_job_show")
public func skJobShow(_ root: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try output(workspace(root).report(requireString(name, "name")).json.jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_job_list")
public func skJobList(_ root: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        let workspace = workspace(root)
        var reports: [JSONValue] = []
        for name in workspace.jobNames() { reports.append(try workspace.report(name).json) }
        try output(JSONValue.array(reports).jsonText, to: out)
        return SK_OK
    }
}

@_cdecl("sk_job_cancel")
public func skJobCancel(_ root: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ out: CStringOut?) -> sk_status {
    apiCall { () throws(SweepKitError) in
        try output(workspace(root).cancel(requireString(name, "name")).json.jsonText, to: out)
        return SK_OK
    }
}
