//go:build !unix

package ipfsfetch

// noFollow is 0 where the platform has no O_NOFOLLOW; O_EXCL still refuses
// an existing path.
const noFollow = 0
