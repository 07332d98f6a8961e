# Interior vertices (the P1 n) of a gmsh 2.2 triangle mesh: all nodes minus those of the line
# elements (the boundary). meshes-train names its meshes by it and checks it (a different gmsh
# version may mesh differently).
/^\$Nodes/ {s="n"; getline; nn=$1; next}
/^\$Elements/ {s="e"; getline; next}
/^\$End/ {s=""; next}
s=="e" && $2==1 { nt=$3; b[$(4+nt)]=1; b[$(5+nt)]=1 }
END { c=0; for (k in b) c++; print nn-c }
