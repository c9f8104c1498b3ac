"""Rewrites the generated parts of rv64uf.S and rv64ud.S in place."""
import os, subprocess, sys
HERE = os.path.dirname(os.path.abspath(__file__))
for f,fmt in (('rv64uf.S','s'),('rv64ud.S','d')):
    p = HERE + "/../" + f; s=open(p).read()
    i=s.index("RVTEST_CODE_BEGIN\n\tENABLE_FP\n")+len("RVTEST_CODE_BEGIN\n\tENABLE_FP\n")
    # generated part ends just before the first hand-written comment block
    marker = "\n/* fcsr = frm" if fmt=='s' else "\n/* fld/fsd, aligned"
    j=s.index(marker)
    g=subprocess.run([sys.executable, HERE + "/gen_fp.py", fmt],capture_output=True,text=True,check=True).stdout
    s=s[:i]+g+s[j:]
    open(p,'w').write(s)
